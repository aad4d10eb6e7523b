from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from villages.models import District, Province

from .choices import Role
from .models import User
from .services import assignable_roles


class UserForm(forms.ModelForm):
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "phone",
            "role",
            "province",
            "district",
            "is_active",
        ]

    def __init__(self, *args, manager, **kwargs):
        super().__init__(*args, **kwargs)
        self.manager = manager
        self.fields["role"].choices = [(r.value, r.label) for r in assignable_roles(manager)]
        self.fields["district"].queryset = District.objects.visible_to(manager).order_by("code")
        self.fields["district"].label_from_instance = lambda d: f"{d.code} {d.name_th}"
        self.fields["district"].help_text = _("Required for district staff.")
        if manager.role == Role.PROVINCIAL_ADMIN and not manager.is_superuser:
            del self.fields["province"]
        else:
            self.fields["province"].queryset = Province.objects.visible_to(manager).order_by("code")
        if not self.instance.pk:
            self.fields["password"].required = True
            self.fields["password"].help_text = ""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") == Role.DISTRICT_STAFF and not cleaned.get("district"):
            self.add_error("district", _("District staff must belong to a district."))
        password = cleaned.get("password")
        if password:
            validate_password(password, self.instance)
        return cleaned

    def _post_clean(self):
        # The province of a provincial admin's users is fixed by the service, not by the form.
        if "province" not in self.fields and self.manager.province_id:
            self.instance.province_id = self.manager.province_id
        if self.cleaned_data.get("district"):
            self.instance.province_id = self.cleaned_data["district"].province_id
        super()._post_clean()
