from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.viewsets import ApiViewSet, CreateMixin, ReadMixin, SyncMixin, UpdateMixin, crud_docs
from apps.lights.lists import problem_list
from apps.problems.filters import ProblemFilter, SupervisionNoticeFilter
from apps.problems.models import Problem, SupervisionNotice
from apps.problems.selectors import notice_list
from apps.problems.services import notice_issue, notice_update, problem_close, problem_create, problem_resolve, problem_update

from .serializers import (
    ProblemCloseSerializer,
    ProblemResolveSerializer,
    ProblemSerializer,
    ProblemWriteSerializer,
    SupervisionNoticeSerializer,
    SupervisionNoticeWriteSerializer,
)


@crud_docs(
    list_="问题清单",
    retrieve="问题详情",
    create="新增问题",
    update="修改问题",
    output=ProblemSerializer,
    sync="ProblemSyncPage",
)
class ProblemViewSet(ReadMixin, CreateMixin, UpdateMixin, SyncMixin, ApiViewSet):
    queryset = Problem.objects.none()
    output_serializer_class = ProblemSerializer
    input_serializer_class = ProblemWriteSerializer
    filterset_class = ProblemFilter
    ordering_fields = ("deadline", "updated_at", "light_rank", "id")
    ordering = ("deadline", "id")
    # The upload action takes a larger body (the attachment); its parsers are on the action.
    upload_actions = frozenset({"close"})

    def selector(self, user) -> QuerySet[Problem]:
        return problem_list(user=user)

    def create_object(self, data: dict) -> Problem:
        return problem_create(actor=self.request.user, data=data)

    def update_object(self, instance: Problem, data: dict) -> Problem:
        return problem_update(actor=self.request.user, problem=instance, data=data, seen=self.seen_version)

    @extend_schema(summary="办结问题（填写解决情况，待项目办销号）", request=ProblemResolveSerializer, responses=ProblemSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk=None) -> Response:
        problem = self.write_object()
        data = self.validated(ProblemResolveSerializer)
        return self.respond(problem_resolve(actor=request.user, problem=problem, resolution=data["resolution"]))

    @extend_schema(summary="销号（项目办对已办结问题销号，可附佐证材料）", request=ProblemCloseSerializer, responses=ProblemSerializer)
    # The one action that takes a file: multipart here, JSON only everywhere else (settings).
    @action(detail=True, methods=["post"], parser_classes=(JSONParser, MultiPartParser, FormParser))
    def close(self, request: Request, pk=None) -> Response:
        problem = self.write_object()
        data = self.validated(ProblemCloseSerializer)
        return self.respond(problem_close(actor=request.user, problem=problem, evidence=data.get("evidence")))


@crud_docs(
    list_="督办文书列表（交办/提醒/督办/约谈）",
    retrieve="督办文书详情",
    create="发出督办文书",
    update="修改督办文书（如登记回复）",
    output=SupervisionNoticeSerializer,
)
class SupervisionNoticeViewSet(ReadMixin, CreateMixin, UpdateMixin, ApiViewSet):
    queryset = SupervisionNotice.objects.none()
    output_serializer_class = SupervisionNoticeSerializer
    input_serializer_class = SupervisionNoticeWriteSerializer
    filterset_class = SupervisionNoticeFilter
    ordering_fields = ("issued_on", "updated_at", "id")
    ordering = ("-issued_on", "-id")

    def selector(self, user) -> QuerySet[SupervisionNotice]:
        return notice_list(user=user)

    def create_object(self, data: dict) -> SupervisionNotice:
        projects = data.pop("projects", [])
        problems = data.pop("problems", [])
        for key in ("reply_text", "replied_on", "status"):
            data.pop(key, None)
        return notice_issue(actor=self.request.user, data=data, projects=projects, problems=problems)

    def update_object(self, instance: SupervisionNotice, data: dict) -> SupervisionNotice:
        projects = data.pop("projects", None)
        problems = data.pop("problems", None)
        return notice_update(
            actor=self.request.user, notice=instance, data=data, projects=projects, problems=problems, seen=self.seen_version
        )
