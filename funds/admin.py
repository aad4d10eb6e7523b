from django.contrib import admin

from villages.admin import ScopedAdmin

from .models import BudgetLine, KkjFund, ReliefRound, WdfLoan, WdfPayment


class ReadOnlyLedgerAdmin(ScopedAdmin):
    """The ledger changes through the pages, API and imports, which keep schedules and
    figures consistent; the admin only shows it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WdfLoan)
class WdfLoanAdmin(ReadOnlyLedgerAdmin):
    list_display = ["contract_no", "borrower_name", "district", "principal", "contract_date"]
    search_fields = ["contract_no", "borrower_name"]
    list_filter = ["borrower_kind"]


@admin.register(WdfPayment)
class WdfPaymentAdmin(ReadOnlyLedgerAdmin):
    list_display = ["loan", "paid_on", "amount", "in_reported_month"]
    search_fields = ["loan__contract_no"]


@admin.register(ReliefRound)
class ReliefRoundAdmin(ReadOnlyLedgerAdmin):
    list_display = ["number", "title", "province", "effective_on", "pause_months"]


@admin.register(BudgetLine)
class BudgetLineAdmin(ReadOnlyLedgerAdmin):
    list_display = ["province", "fiscal_year", "kind", "allocated", "return_due_on"]


@admin.register(KkjFund)
class KkjFundAdmin(ReadOnlyLedgerAdmin):
    list_display = ["village", "capital", "governance_level", "accelerated"]
    search_fields = ["village__code", "village__name"]
