import functools

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.models import SENDER_FIELDS, Report
from watchline.options import CachedModelChoiceField


class PhotosInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several files from one input; the content checks are the service's (reports.photos)."""

    widget = PhotosInput(attrs={"multiple": True, "accept": "image/jpeg,image/png,image/webp"})

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        return [super(PhotosField, self).clean(f, initial) for f in files]


def photos_field():
    return PhotosField(
        label=_("Photos"),
        required=False,
        help_text=_("Up to 5 photos (JPEG, PNG or WebP), at most 10 MB each."),
    )


class CategoryChoice(CachedModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name()


class ReportForm(forms.ModelForm):
    """What a representative sees on the phone. Saving is the service's job."""

    description = forms.CharField(
        label=_("What is happening"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    photos = photos_field()
    client_token = forms.UUIDField(widget=forms.HiddenInput)
    # Who set the ward: "location" (the page filled it from the coordinates) or "sender" (the
    # representative picked it, e.g. correcting the location's ward). Empty without JavaScript.
    ward_source = forms.ChoiceField(
        choices=[("", ""), ("location", "location"), ("sender", "sender")],
        required=False,
        widget=forms.HiddenInput,
    )
    # The ward the form offered (the CWG's first): without JavaScript, a posted ward other than
    # this one was picked by the representative. Sent back, so a POST need not look it up.
    ward_offered = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # An exercise inject the representative was asked to send (exercises.services).
    inject = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Report
        fields = list(SENDER_FIELDS)
        field_classes = {"category": CategoryChoice, "ward": CachedModelChoiceField}
        labels = {
            "category": _("Category"),
            "location_text": _("Where"),
            "ward": _("Ward"),
            "latitude": _("Latitude"),
            "longitude": _("Longitude"),
            "observed_at": _("When it was observed"),
            "source": _("How you know"),
            "urgency": _("Urgency"),
            "people_count": _("People involved or at risk (roughly)"),
        }
        widgets = {
            "latitude": forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            "longitude": forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            "observed_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "source": forms.RadioSelect,
            "urgency": forms.RadioSelect,
            "people_count": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
        }
        help_texts = {
            "location_text": _("A street address, a corner or a landmark."),
            "ward": _("“Use my location” fills it in; correct it if it is wrong."),
        }

    def __init__(self, *args, cwg, **kwargs):
        def first_ward():
            return cwg.wards.order_by("number").values_list("pk", flat=True).first()

        # A blank form shows the CWG's first ward; a POST brings `ward_offered` back, so its
        # form reads the first ward only if it lacks that (a form rendered before it existed).
        bound = bool(args) or kwargs.get("data") is not None
        first_ward = functools.cache(first_ward) if bound else first_ward()
        initial = {
            "ward": first_ward,
            "ward_offered": first_ward,
            "observed_at": timezone.localtime().replace(second=0),
        }
        super().__init__(*args, initial=initial | kwargs.pop("initial", {}), **kwargs)
        self.fields["category"].empty_label = _("Choose a category")
        self.fields["source"].choices = Report.Source.choices
        self.fields["urgency"].choices = Report.Urgency.choices

    def _get_validation_exclusions(self):
        # The category and ward fields fetched their rows already: the model's own check that
        # they exist would repeat those queries (the service validates the rest).
        return super()._get_validation_exclusions() | {"category", "ward"}

    def report_data(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def ward_chosen(self):
        """Whether the representative picked the ward themselves: then it stands even if the
        coordinates lie in another ward. Without JavaScript, a ward changed from the form's
        first choice counts as picked."""
        source = self.cleaned_data.get("ward_source")
        if source:
            return source == "sender"
        offered, ward = self.cleaned_data.get("ward_offered"), self.cleaned_data.get("ward")
        if offered is None:  # a form rendered before the field existed
            return "ward" in self.changed_data
        return ward is not None and ward.pk != offered


class FollowUpForm(forms.Form):
    text = forms.CharField(
        label=_("What is new"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = photos_field()
    client_token = forms.UUIDField(widget=forms.HiddenInput)
