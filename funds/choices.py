from django.db import models
from django.utils.translation import gettext_lazy as _


class BorrowerKind(models.TextChoices):
    PERSON = "person", _("Person")
    GROUP = "group", _("Women's group")


class RevisionKind(models.TextChoices):
    ORIGINAL = "original", _("Original schedule")
    RELIEF = "relief", _("Debt relief")
    RESTRUCTURE = "restructure", _("Restructure")


class BudgetLineKind(models.TextChoices):
    ADMINISTRATION = "administration", _("Administration")
    REVOLVING = "revolving", _("Revolving fund")
    SUBSIDY = "subsidy", _("Subsidy")


class ProjectStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for the provincial sub-committee")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not approved")


class GovernanceLevel(models.IntegerChoices):
    NEEDS_IMPROVEMENT = 1, _("1 needs improvement")
    MODERATE = 2, _("2 moderate")
    GOOD = 3, _("3 good")


BUDGET_LINES = [k.value for k in BudgetLineKind]
