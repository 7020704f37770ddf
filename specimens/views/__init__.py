"""The collection site's web pages: work queue, participants, orders and their steps."""
