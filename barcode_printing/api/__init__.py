"""The printing API: POST labels/, printers and print jobs."""
