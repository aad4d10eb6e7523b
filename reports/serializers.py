"""What the monthly submissions and indicator values look like over the API, and what the
API accepts for them. Missions, headings and indicators are named by their number in the
province's fiscal year (as in the report), not by database id."""

from typing import Literal

from rest_framework import serializers

from . import cycle
from .models import IndicatorValue, Narrative, ReviewComment, Submission


class NarrativeSerializer(serializers.ModelSerializer):
    mission = serializers.IntegerField(source="mission.number")
    heading = serializers.IntegerField(source="heading.number")

    class Meta:
        model = Narrative
        fields = ["mission", "heading", "text", "version"]


class SubmissionValueSerializer(serializers.ModelSerializer):
    indicator = serializers.IntegerField(source="indicator.number")

    class Meta:
        model = IndicatorValue
        fields = ["indicator", "value", "reason", "version"]


class ReviewCommentSerializer(serializers.ModelSerializer):
    mission = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()

    class Meta:
        model = ReviewComment
        fields = ["mission", "text", "author", "created_at"]

    def get_mission(self, obj) -> int | None:
        return obj.mission.number if obj.mission_id else None

    def get_author(self, obj) -> str:
        return (obj.author.get_full_name() or obj.author.username) if obj.author else ""


class SubmissionListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        # A page's due dates in two queries rather than two per submission.
        items = list(data.all() if hasattr(data, "all") else data)
        if items:
            self.child.due = cycle.due_dates(
                {s.province_id for s in items}, {s.month for s in items}
            ).get
        return [self.child.to_representation(s) for s in items]


class SubmissionSerializer(serializers.ModelSerializer):
    """A district's monthly report with its narratives, indicator values and the province's
    comments. ``timeliness`` (on_time / late / missing) is judged as the submissions section
    judges it: by the first submission against the due date."""

    district_code = serializers.CharField(source="district_id", read_only=True)
    province_code = serializers.CharField(source="province_id", read_only=True)
    month = serializers.SerializerMethodField()
    due_on = serializers.SerializerMethodField()
    timeliness = serializers.SerializerMethodField()
    narratives = NarrativeSerializer(many=True, read_only=True)
    values = SubmissionValueSerializer(many=True, read_only=True)
    comments = ReviewCommentSerializer(many=True, read_only=True)

    class Meta:
        model = Submission
        list_serializer_class = SubmissionListSerializer
        fields = [
            "id",
            "district_code",
            "province_code",
            "month",
            "status",
            "first_submitted_at",
            "submitted_at",
            "late_reason",
            "approved_at",
            "due_on",
            "timeliness",
            "narratives",
            "values",
            "comments",
        ]
        read_only_fields = fields

    def due(self, key):
        return cycle.due_date(*key)

    def get_month(self, obj) -> str:
        return f"{obj.month:%Y-%m}"

    def get_due_on(self, obj) -> str:
        return self.due((obj.province_id, obj.month)).isoformat()

    def get_timeliness(self, obj) -> Literal["on_time", "late", "missing"]:
        return cycle.timeliness(obj, self.due((obj.province_id, obj.month)))


class IndicatorValueSerializer(serializers.ModelSerializer):
    """One district's value of one indicator for a month."""

    submission = serializers.IntegerField(source="submission_id", read_only=True)
    district_code = serializers.CharField(source="submission.district_id", read_only=True)
    month = serializers.SerializerMethodField()
    indicator = serializers.IntegerField(source="indicator.number", read_only=True)
    indicator_name = serializers.CharField(source="indicator.name", read_only=True)
    unit = serializers.CharField(source="indicator.unit", read_only=True)

    class Meta:
        model = IndicatorValue
        fields = [
            "id",
            "submission",
            "district_code",
            "month",
            "indicator",
            "indicator_name",
            "unit",
            "value",
            "reason",
            "version",
            "updated_at",
        ]
        read_only_fields = fields

    def get_month(self, obj) -> str:
        return f"{obj.submission.month:%Y-%m}"


# ---------------------------------------------------------------- what the API accepts


class SubmissionStartSerializer(serializers.Serializer):
    district = serializers.CharField(help_text="4-digit district code")
    month = serializers.CharField(help_text="YYYY-MM, C.E. or B.E.")


class SectionSaveSerializer(serializers.Serializer):
    mission = serializers.IntegerField(min_value=1, help_text="key mission number")
    heading = serializers.IntegerField(min_value=1, help_text="heading number")
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)
    version = serializers.IntegerField(
        min_value=0, help_text="the version the text was loaded at (0 for a new section)"
    )


class SubmitSerializer(serializers.Serializer):
    late_reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReturnSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    mission = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="key mission number"
    )


class ValueSaveSerializer(serializers.Serializer):
    submission = serializers.IntegerField(help_text="submission id")
    indicator = serializers.IntegerField(min_value=1, help_text="indicator number")
    value = serializers.CharField(help_text="a number; thousands separators allowed")
    version = serializers.IntegerField(
        min_value=0, help_text="the version the value was loaded at (0 for a new value)"
    )
    confirm = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
