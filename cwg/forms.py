from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from cwg import services
from cwg.models import CommunityWatchGroup, Representative, Ward
from watchline import formfields

S = CommunityWatchGroup.Status


class CWGForm(forms.ModelForm):
    """The group itself, as its coordinator describes it on the public application."""

    wards = formfields.ModelMultipleChoiceField(
        queryset=Ward.objects.all(),
        help_text="The ward(s) your group patrols (hold Ctrl to choose several on a computer).",
    )

    class Meta:
        model = CommunityWatchGroup
        fields = [
            "name",
            "area_description",
            "wards",
            "registration_number",
            "contact_email",
            "contact_phone",
        ]
        labels = {"name": "Group name", "area_description": "Area you cover"}
        help_texts = {
            "area_description": "Streets, suburbs or landmarks that mark your area.",
            "registration_number": "If your group is registered or accredited (optional).",
        }

    def clean(self):
        cleaned = super().clean()
        name, wards = cleaned.get("name"), cleaned.get("wards")
        if name and wards:
            clash = (
                CommunityWatchGroup.objects.exclude(status=S.REJECTED)
                .filter(name__iexact=name.strip(), wards__in=wards)
                .first()
            )
            if clash:
                self.add_error(
                    "name",
                    f"A group called “{clash.name}” has already applied for or registered in "
                    "one of these wards. If that is your group, contact the JOC instead.",
                )
        return cleaned


class PersonForm(forms.Form):
    """A representative: becomes a user account (username = email address) and a seat.
    With `optional=True` (the second representative) the form may be left empty. With
    `check_account=False` (the anonymous application) it says nothing about existing accounts."""

    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    phone = PhoneNumberField(help_text="A cellphone number, e.g. 082 123 4567.")
    email = forms.EmailField(help_text="They will log in with this address.")

    def __init__(
        self, *args, cwg=None, optional=False, check_account=True, replacing=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.cwg = cwg
        self.check_account = check_account
        self.optional = optional
        if optional:
            for field in self.fields.values():
                field.required = False
        if replacing is not None:
            # Replacing someone ends their seat: the representative confirms it.
            self.fields["confirm"] = forms.BooleanField(
                label=_("Yes: %(name)s will no longer speak for the group.") % {"name": replacing}
            )

    def is_empty(self):
        return self.optional and not any(
            (self.data.get(self.add_prefix(name)) or "").strip() for name in self.fields
        )

    def full_clean(self):
        if self.is_bound and self.is_empty():
            self.cleaned_data, self._errors = {}, forms.utils.ErrorDict()
            return
        if self.optional:
            # Filled in, the optional person needs every field; the fields stay optional in
            # the page itself (no `required` attribute on an empty second representative).
            for field in self.fields.values():
                field.required = True
            super().full_clean()
            for field in self.fields.values():
                field.required = False
            return
        super().full_clean()

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        refusal = services.account_refusal(email) if self.check_account else ""
        if refusal:
            raise forms.ValidationError(refusal)
        return email

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        others = Representative.objects.active().filter(phone=phone)
        if self.cwg is not None:
            others = others.exclude(cwg=self.cwg)
        if others.exists():
            raise forms.ValidationError(
                "This phone number already represents another community watch group."
            )
        return phone

    def person(self):
        """The cleaned person, or None for an empty optional form."""
        data = self.cleaned_data
        if not data:
            return None
        return services.Person(data["first_name"], data["last_name"], data["email"], data["phone"])


class Application:
    """The public application: the group, its first representative and optionally a second."""

    def __init__(self, data=None):
        self.group = CWGForm(data, prefix="cwg")
        self.first = PersonForm(data, prefix="rep1", check_account=False)
        self.second = PersonForm(data, prefix="rep2", optional=True, check_account=False)

    def is_valid(self):
        valid = all([self.group.is_valid(), self.first.is_valid(), self.second.is_valid()])
        if valid and self.second.cleaned_data:
            for name in ("email", "phone"):
                if self.first.cleaned_data[name] == self.second.cleaned_data[name]:
                    self.second.add_error(name, "The two representatives need different ones.")
                    valid = False
        return valid

    def register(self, site_url):
        data = self.group.cleaned_data
        people = [p for p in (self.first.person(), self.second.person()) if p]
        return services.register_cwg(
            name=data["name"].strip(),
            area_description=data["area_description"],
            wards=data["wards"],
            registration_number=data["registration_number"],
            contact_email=data["contact_email"],
            contact_phone=data["contact_phone"],
            people=people,
            site_url=site_url,
        )


class RepresentativeAdminForm(PersonForm):
    """The admin's "add representative": seats a person in a free seat of the chosen CWG."""

    cwg = forms.ModelChoiceField(
        queryset=CommunityWatchGroup.objects.exclude(status=S.REJECTED),
        label="Community watch group",
    )
    field_order = ["cwg"]

    def full_clean(self):
        self.cwg = None  # clean_phone compares against the chosen CWG once it is known
        super().full_clean()

    def clean_cwg(self):
        self.cwg = self.cleaned_data["cwg"]
        return self.cwg


class ReasonForm(forms.Form):
    """The admin's intermediate page for a status change."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label="Name or reference", required=False, max_length=100)
    ward = forms.ModelChoiceField(queryset=Ward.objects.all(), required=False, empty_label="Any")
    status = forms.ChoiceField(choices=[("", "Any"), *S.choices], required=False)

    def filter(self, cwgs):
        if not self.is_valid():
            return cwgs.none()
        data = self.cleaned_data
        if data["q"]:
            q = data["q"].strip()
            cwgs = cwgs.filter(Q(name__icontains=q) | Q(reference__iexact=q))
        if data["ward"]:
            cwgs = cwgs.filter(wards=data["ward"])
        if data["status"]:
            cwgs = cwgs.filter(status=data["status"])
        return cwgs


class LanguageForm(forms.ModelForm):
    """The representative's own language for their pages, emails and WhatsApp messages."""

    class Meta:
        model = Representative
        fields = ["language"]
        widgets = {"language": forms.RadioSelect}
        labels = {"language": _("Language")}


class PointForm(forms.Form):
    """A point in WGS 84, as the browser's geolocation gives it."""

    lat = forms.FloatField(min_value=-90, max_value=90)
    lng = forms.FloatField(min_value=-180, max_value=180)
