"""Forms for the dashboard's filters and for each action on an incident. Every action form that
changes the incident carries the `version` the operator saw."""

from django import forms
from django.contrib.auth import get_user_model

from cwg.models import Ward
from joc import services
from joc.models import Incident, IncidentQuerySet, Resource
from reports.models import Category
from watchline import formfields, permissions
from watchline.options import CachedModelChoiceField


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any open")]
        + [(s, Incident.Status(s).label) for s in IncidentQuerySet.OPEN_STATUSES],
    )
    category = CachedModelChoiceField(
        required=False, queryset=Category.objects.all(), empty_label="Any"
    )
    ward = CachedModelChoiceField(required=False, queryset=Ward.objects.all(), empty_label="Any")
    priority = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any")] + list(Incident.Priority.choices),
    )
    mine = forms.BooleanField(required=False, label="Assigned to me")
    exercise = forms.ChoiceField(
        required=False,
        label="Real or exercise",
        choices=[
            ("", "Both (exercise marked)"),
            ("real", "Real only"),
            ("exercise", "Exercise only"),
        ],
    )

    def filter(self, incidents, user):
        """Apply the valid filters to `incidents`; invalid values are ignored."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("status"):
            incidents = incidents.filter(status=data["status"])
        for name in ("category", "ward", "priority"):
            if data.get(name):
                incidents = incidents.filter(**{name: data[name]})
        if data.get("mine"):
            incidents = incidents.filter(assigned_to=user)
        if data.get("exercise"):
            incidents = incidents.filter(exercise__isnull=data["exercise"] == "real")
        return incidents


class VersionForm(forms.Form):
    """Acknowledge: only the version seen."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, incident=None, **kwargs):
        self.incident = incident
        super().__init__(*args, **kwargs)
        if incident is not None and not self.is_bound:
            self.initial["version"] = incident.version


class PriorityForm(VersionForm):
    priority = forms.TypedChoiceField(coerce=int, choices=Incident.Priority.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.incident is not None:
            self.initial.setdefault("priority", self.incident.priority)


class AssignForm(VersionForm):
    operator = forms.ModelChoiceField(queryset=get_user_model().objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operator"].queryset = permissions.operators().order_by("username")
        if self.incident is not None:
            self.initial.setdefault("operator", self.incident.assigned_to_id)


class VerifyForm(VersionForm):
    checks = forms.MultipleChoiceField(
        label="What is being checked",
        choices=list(services.VERIFICATION_CHECKS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(required=False, max_length=2000)


class EvidenceForm(VersionForm):
    evidence = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class ReasonForm(VersionForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class OutcomeForm(VersionForm):
    outcome = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class DispatchForm(VersionForm):
    resources = formfields.ModelMultipleChoiceField(
        queryset=Resource.objects.filter(status=Resource.Status.AVAILABLE),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "%(value)s is no longer available."},
    )


class DispatchMoveForm(VersionForm):
    dispatch = forms.IntegerField(widget=forms.HiddenInput)


class MergeForm(VersionForm):
    target = forms.CharField(label="Merge into incident (reference)", max_length=20)

    def clean_target(self):
        return _open_incident(self.cleaned_data["target"])


class TextForm(forms.Form):
    """Internal notes and public follow-ups: appending text overwrites nothing, so no version."""

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)

    def __init__(self, *args, incident=None, **kwargs):
        self.incident = incident
        super().__init__(*args, **kwargs)


class ReportMoveForm(forms.Form):
    """Link a report to another incident (target given) or split it out (no target)."""

    report = forms.IntegerField(widget=forms.HiddenInput)
    target = forms.CharField(required=False, label="Link to incident (reference)", max_length=20)

    def __init__(self, *args, incident=None, **kwargs):
        self.incident = incident
        super().__init__(*args, **kwargs)

    def clean_report(self):
        report = self.incident.reports.filter(pk=self.cleaned_data["report"]).first()
        if report is None:
            raise forms.ValidationError("That report is not on this incident.")
        return report

    def clean_target(self):
        reference = self.cleaned_data["target"]
        return _open_incident(reference) if reference else None


def _open_incident(reference):
    incident = Incident.objects.open().filter(reference=reference.strip().upper()).first()
    if incident is None:
        raise forms.ValidationError("No open incident has that reference.")
    return incident
