"""Serial barcode scanners and lab scales, their simulators, and the station bridge."""
