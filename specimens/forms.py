"""Forms of the collection site's pages: shapes of input only; the services hold the rules."""

import re
import zoneinfo
from datetime import datetime

from django import forms
from django.utils import timezone

from specimens.choices import Centrifuge
from specimens.models import PARTICIPANT_ID

LOCAL_FORMAT = "%Y-%m-%d %H:%M"
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


class ScanForm(forms.Form):
    scan = forms.CharField(max_length=64, error_messages={"required": "Scan or type an ID first."})


class RegisterForm(forms.Form):
    participant_id = forms.CharField(max_length=16, label="Participant ID")

    def clean_participant_id(self) -> str:
        value = self.cleaned_data["participant_id"].strip().upper()
        if not re.fullmatch(PARTICIPANT_ID, value):
            raise forms.ValidationError("A participant ID is P and 9 digits, e.g. P000000123.")
        return value


class SafetyForm(forms.Form):
    """The pre-draw safety questions; each must be answered yes or no."""

    YES_NO = [("no", "No"), ("yes", "Yes")]
    donated_blood_past_week = forms.ChoiceField(
        choices=YES_NO, widget=forms.RadioSelect, label="Donated blood in the past week?"
    )
    transfusion_past_6_months = forms.ChoiceField(
        choices=YES_NO, widget=forms.RadioSelect, label="Had a transfusion in the past 6 months?"
    )
    fainting_history = forms.ChoiceField(
        choices=YES_NO, widget=forms.RadioSelect, label="Ever fainted during a blood draw?"
    )

    def answers(self) -> dict:
        return {name: self.cleaned_data[name] == "yes" for name in self.fields}


class LocalTimeField(forms.DateTimeField):
    """A wall-clock time at the site, typed as 2026-05-01 09:14, or 09:14 for today."""

    widget = forms.TextInput(
        attrs={"placeholder": "YYYY-MM-DD HH:MM", "size": 16, "autocomplete": "off"}
    )

    def __init__(self, *args, zone: str = "UTC", **kwargs):
        self.zone = zoneinfo.ZoneInfo(zone)
        super().__init__(*args, input_formats=[LOCAL_FORMAT, "%Y-%m-%dT%H:%M"], **kwargs)

    def to_python(self, value):
        clock = _CLOCK.match(value or "")
        if clock:
            today = timezone.localtime(timezone.now(), self.zone).date()
            value = f"{today:%Y-%m-%d} {int(clock[1]):02d}:{clock[2]}"
        moment = super().to_python(value)
        # The wall-clock reading is the site's, whatever zone the parser assumed.
        return None if moment is None else moment.replace(tzinfo=self.zone)


def local_now(zone: str) -> str:
    return timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(zone)).strftime(LOCAL_FORMAT)


class CollectScanForm(ScanForm):
    notes = forms.CharField(max_length=500, required=False, label="Notes (no names or dates)")

    def __init__(self, *args, zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collected_at"] = LocalTimeField(zone=zone, label="Collected at")


class ProcessForm(forms.Form):
    centrifuge = forms.ChoiceField(
        choices=[("", "As the tube code says"), *Centrifuge.choices], required=False
    )

    def __init__(self, *args, zone: str, barcodes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["processed_at"] = LocalTimeField(
            zone=zone, label="Processed at (all tubes)", required=False
        )
        self.fields["processed_at"].widget.attrs["autofocus"] = True
        for barcode in barcodes:
            self.fields[f"time_{barcode}"] = LocalTimeField(
                zone=zone, label=f"Processed at ({barcode})", required=False
            )

    def times(self, barcodes: list[str]) -> dict[str, datetime]:
        """Each tube's time: its own if given, else the one for all tubes."""
        common = self.cleaned_data.get("processed_at")
        chosen = {b: self.cleaned_data.get(f"time_{b}") or common for b in barcodes}
        return {barcode: when for barcode, when in chosen.items() if when}
