from django import forms
from django.utils import timezone

from alerts.models import Alert, AlertVersion
from cwg.models import Ward
from joc.models import Incident
from watchline import formfields


class AlertForm(forms.Form):
    title = forms.CharField(max_length=150)
    message = forms.CharField(widget=forms.Textarea, max_length=5000)
    severity = forms.ChoiceField(choices=Alert.Severity.choices, initial=Alert.Severity.WARNING)
    incident = forms.ModelChoiceField(
        queryset=Incident.objects.all(), required=False, widget=forms.HiddenInput
    )
    all_wards = forms.BooleanField(
        required=False,
        label="All wards",
        help_text="An emergency to all wards needs a supervisor's approval.",
    )
    wards = formfields.ModelMultipleChoiceField(
        queryset=Ward.objects.all(),
        required=False,
        label="Target wards",
        help_text="Hold Ctrl (or Cmd) to select several.",
    )
    expires_at = forms.DateTimeField(
        label="Expires at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty to keep it on the portals until it is cancelled or cleared.",
    )

    @classmethod
    def for_incident(cls, incident, suggested_wards):
        """A blank form prefilled from a confirmed incident."""
        return cls(
            initial={
                "incident": incident,
                "title": incident.title,
                "message": f"{incident.category}: {incident.location_text}.",
                "wards": list(suggested_wards),
            }
        )

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError("The expiry must be in the future.")
        return expires_at

    def clean(self):
        data = super().clean()
        if not data.get("all_wards") and not data.get("wards") and "wards" not in self.errors:
            self.add_error("wards", "Choose the target wards, or All wards.")
        return data


class UpdateForm(forms.Form):
    KINDS = [(AlertVersion.Kind.UPDATE, "Correction"), (AlertVersion.Kind.ALL_CLEAR, "All clear")]

    kind = forms.ChoiceField(choices=KINDS, widget=forms.RadioSelect, initial=KINDS[0][0])
    title = forms.CharField(max_length=150)
    message = forms.CharField(widget=forms.Textarea, max_length=5000)
    severity = forms.ChoiceField(choices=Alert.Severity.choices)


class CancelForm(forms.Form):
    message = forms.CharField(
        label="Reason", widget=forms.Textarea, max_length=2000, required=False
    )


class AcknowledgeForm(forms.Form):
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
