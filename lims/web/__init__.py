"""The web workbench's shell: navigation, the header search, and the conventions of every page."""
