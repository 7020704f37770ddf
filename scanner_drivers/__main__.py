"""`python -m scanner_drivers --device … --server …`: the station bridge, without the server."""

from scanner_drivers.station import main

main()
