from django import forms
from django.utils.translation import gettext_lazy as _

from .engine import resources


class UploadForm(forms.Form):
    resource = forms.ChoiceField(label=_("Data to import"))
    file = forms.FileField(label=_("File (.xlsx or .csv)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].choices = [(r.name, r.label) for r in resources()]
