from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .choices import VillageKind
from .models import Subdistrict, Village


class VillageCreateForm(forms.Form):
    subdistrict = forms.ModelChoiceField(
        label=_("Subdistrict"), queryset=Subdistrict.objects.none()
    )
    moo = forms.IntegerField(label=_("Village no. (moo)"), min_value=1, max_value=99)
    name = forms.CharField(label=_("Village name"), max_length=150)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=VillageKind.choices, initial=VillageKind.VILLAGE
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["subdistrict"].queryset = (
            Subdistrict.objects.editable_by(user).select_related("district").order_by("code")
        )
        self.fields["subdistrict"].label_from_instance = lambda s: (
            f"{s.code} ต.{s.name_th} อ.{s.district.name_th}"
        )

    def save(self) -> Village:
        try:
            return services.village_create(user=self.user, **self.cleaned_data)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
            return None


class VillageEditForm(forms.Form):
    name = forms.CharField(label=_("Village name"), max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), choices=VillageKind.choices)

    def __init__(self, *args, user, village, **kwargs):
        kwargs.setdefault("initial", {"name": village.name, "kind": village.kind})
        super().__init__(*args, **kwargs)
        self.user, self.village = user, village

    def save(self) -> Village:
        return services.village_update(user=self.user, village=self.village, **self.cleaned_data)
