"""A station's settings are checked before the bridge reads a scan: bad ones stop it at once."""

import pytest
from django.core.management import CommandError, call_command

from scanner_drivers.bridge import StationConfig

SHIPMENT_TYPOS = [None, "", "SH-", "sh-00012", "SH-12a", "SH-１２", "SH-12\n", "ORD-0000001"]


@pytest.mark.parametrize("action", ["pack", "receive"])
@pytest.mark.parametrize("shipment", SHIPMENT_TYPOS)
def test_pack_and_receive_need_a_shipment_code(action, shipment):
    with pytest.raises(ValueError, match="SH- and digits"):
        StationConfig(station="s-1", action=action, device="loop://", shipment=shipment)


@pytest.mark.parametrize("action", ["pack", "receive"])
def test_a_shipment_code_is_all_pack_and_receive_need(action):
    config = StationConfig(station="s-1", action=action, device="loop://", shipment="SH-00012")
    assert config.shipment == "SH-00012"


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("in_flight", 0),
        ("in_flight", -1),
        ("in_flight", 33),
        ("in_flight", 2.0),
        ("batch", 0),
        ("batch", 201),
        ("batch", "10"),
    ],
)
def test_batches_in_flight_and_scans_a_batch_are_bounded(option, value):
    with pytest.raises(ValueError, match=option):
        StationConfig(
            station="s-1", action="collect", device="loop://", order="ORD-1", **{option: value}
        )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--shipment=SH-12a"], "pack needs the shipment: SH- and digits"),
        (["--shipment=SH-0000012", "--batch=500"], "batch must be a whole number from 1 to 200"),
    ],
)
def test_the_command_refuses_a_bad_station_before_reading_anything(tmp_path, options, message):
    spool = tmp_path / "spool.sqlite3"
    with pytest.raises(CommandError, match=message):
        call_command(
            "scanner_bridge",
            "--device=loop://",
            "--server=http://127.0.0.1:9/api/v1/",
            "--token=t",
            "--station=pack-1",
            "--action=pack",
            *options,
            f"--spool={spool}",
        )
    assert not spool.exists()
