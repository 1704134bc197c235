from decimal import Decimal

from django import forms
from django.utils import timezone

from cwg.models import CommunityWatchGroup, Representative, Ward
from exercises.models import Exercise, ImprovementAction, Inject, Objective, Observation
from reports.models import Category, Report
from watchline import formfields, permissions

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ExerciseForm(forms.ModelForm):
    class Meta:
        model = Exercise
        fields = ["name", "scenario", "planned_start", "planned_end", "all_cwgs", "cwgs"]
        widgets = {
            "scenario": forms.Textarea(attrs={"rows": 4}),
            "planned_start": DATETIME,
            "planned_end": DATETIME,
            "cwgs": forms.CheckboxSelectMultiple,
        }
        field_classes = {"cwgs": formfields.ModelMultipleChoiceField}

    controllers = formfields.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cwgs"].queryset = CommunityWatchGroup.objects.approved()
        self.fields["controllers"].queryset = permissions.supervisors().order_by("username")
        if self.instance.pk:
            self.fields["controllers"].initial = list(self.instance.controllers.all())

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("planned_start"), cleaned.get("planned_end")
        if start and end and end <= start:
            self.add_error("planned_end", "The end comes after the start.")
        if not cleaned.get("all_cwgs") and not cleaned.get("cwgs"):
            self.add_error("cwgs", "Choose the CWGs taking part, or every approved CWG.")
        return cleaned

    def save(self):
        """Save with its CWGs; its controllers are those chosen, else whoever planned it."""
        exercise = super().save()
        exercise.controllers.set(self.cleaned_data["controllers"] or [exercise.created_by])
        return exercise


class InjectForm(forms.ModelForm):
    """One inject, typed in or read from a CSV row (`from_row`)."""

    offset_minutes = forms.DecimalField(
        label="Time offset (minutes from the start)", min_value=0, max_digits=7, decimal_places=2
    )

    class Meta:
        model = Inject
        fields = [
            "representative",
            "channel",
            "mode",
            "category",
            "description",
            "location_text",
            "ward",
            "latitude",
            "longitude",
            "urgency",
            "photo",
            "expect_acknowledge_minutes",
            "expect_verify_minutes",
            "expect_alert_minutes",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    urgency = forms.ChoiceField(choices=Report.Urgency.choices, initial=Report.Urgency.URGENT)

    def __init__(self, *args, exercise, **kwargs):
        self.exercise = exercise
        super().__init__(*args, **kwargs)
        self.fields["representative"].queryset = (
            Representative.objects.active()
            .filter(cwg__in=exercise.participants())
            .select_related("cwg", "user")
            .order_by("cwg__name", "seat")
        )
        self.fields["representative"].label_from_instance = lambda r: f"{r.name} ({r.cwg.name})"
        if self.instance.pk:
            self.fields["offset_minutes"].initial = Decimal(self.instance.offset_seconds) / 60

    def save(self, commit=True):
        inject = super().save(commit=False)
        inject.exercise = self.exercise
        inject.offset_seconds = int(self.cleaned_data["offset_minutes"] * 60)
        if inject.number is None:
            inject.number = next_number(self.exercise)
        if commit:
            inject.save()
        return inject

    @classmethod
    def from_row(cls, row, exercise, numbers):
        """A form bound to one CSV row, names and numbers looked up as a person would write
        them: representative by username or phone, category by slug or name, ward by number."""
        data = {key.strip().lower(): (value or "").strip() for key, value in row.items() if key}
        bound = {
            "offset_minutes": data.get("offset_minutes", ""),
            "channel": data.get("channel") or Inject.Channel.WEB,
            "mode": data.get("mode") or Inject.Mode.AUTO,
            "description": data.get("description", ""),
            "location_text": data.get("location", ""),
            "latitude": data.get("latitude", ""),
            "longitude": data.get("longitude", ""),
            "urgency": data.get("urgency") or Report.Urgency.URGENT,
            "expect_acknowledge_minutes": data.get("expect_acknowledge_minutes", ""),
            "expect_verify_minutes": data.get("expect_verify_minutes", ""),
            "expect_alert_minutes": data.get("expect_alert_minutes", ""),
            "representative": numbers["representatives"].get(data.get("representative", ""), ""),
            "category": numbers["categories"].get(data.get("category", "").lower(), ""),
            "ward": numbers["wards"].get(data.get("ward", ""), ""),
        }
        form = cls(bound, exercise=exercise)
        # A name the lookups did not know: said as such, not as "this field is required".
        form.unknown = {
            name: data[name]
            for name in ("representative", "category", "ward")
            if data.get(name) and not bound[name]
        }
        return form

    def row_errors(self):
        """This row's errors as 'field: message' strings."""
        errors = [f"{name}: no such {name} “{value}”" for name, value in self.unknown.items()]
        for name, messages in self.errors.items():
            if name not in self.unknown:
                label = "row" if name == "__all__" else name
                errors += [f"{label}: {message}" for message in messages]
        return errors


def next_number(exercise):
    last = exercise.injects.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def lookups():
    """Names and numbers a CSV uses, mapped to primary keys."""
    reps = {}
    for rep in Representative.objects.active().select_related("user"):
        reps[rep.user.username] = rep.pk
        reps[str(rep.phone)] = rep.pk
    categories = {}
    for category in Category.objects.all():
        categories[category.slug.lower()] = category.pk
        categories[category.name.lower()] = category.pk
    wards = {str(n): pk for pk, n in Ward.objects.values_list("pk", "number")}
    return {"representatives": reps, "categories": categories, "wards": wards}


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "Columns: offset_minutes, representative (username or phone), channel, mode, "
            "category, description, location, ward, latitude, longitude, urgency, "
            "expect_acknowledge_minutes, expect_verify_minutes, expect_alert_minutes."
        ),
    )


class ObjectiveForm(forms.ModelForm):
    class Meta:
        model = Objective
        fields = ["text", "capability"]


class RatingForm(forms.ModelForm):
    class Meta:
        model = Objective
        fields = ["rating", "rationale"]
        widgets = {"rationale": forms.Textarea(attrs={"rows": 2})}


class ObservationForm(forms.ModelForm):
    class Meta:
        model = Observation
        fields = ["kind", "objective", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, exercise, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = exercise.objectives.all()


class ImprovementActionForm(forms.ModelForm):
    class Meta:
        model = ImprovementAction
        fields = ["observation", "action", "owner", "due_date", "status"]
        widgets = {
            "action": forms.Textarea(attrs={"rows": 2}),
            "due_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, exercise, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["observation"].queryset = exercise.observations.filter(
            kind=Observation.Kind.IMPROVEMENT
        )
        self.fields["observation"].label = "Area for improvement"


class ActionStatusForm(forms.ModelForm):
    class Meta:
        model = ImprovementAction
        fields = ["status"]


class PeriodForm(forms.Form):
    """A period of real operations for the after-action figures."""

    start = forms.DateTimeField(widget=DATETIME)
    end = forms.DateTimeField(widget=DATETIME)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] <= cleaned["start"]:
            self.add_error("end", "The end comes after the start.")
        return cleaned

    @classmethod
    def last_day(cls):
        end = timezone.localtime().replace(second=0, microsecond=0)
        return {"start": end - timezone.timedelta(days=1), "end": end}
