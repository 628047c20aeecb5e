from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "apps.projects"
    verbose_name = "重点项目台账"

    def ready(self) -> None:
        # Object rules: this app's rules.py into apps.accounts.policy's registry.
        from . import rules

        rules.register()

        # --- due-item registry (apps.core.due): this app's kind of due item ---
        from apps.core.due import register

        from .due import START

        register(START)

        # --- and the rows that decide a project's items: 在库 and 开工 on the project, its people,
        # its plans' 计划开工月份 and roles (what the due kinds' sources read of them) ---
        from apps.core.due import ProjectWatch, watch_project

        from .models import AnnualPlan, Project, ProjectResponsibility

        watch_project(ProjectWatch(Project, "pk", ("archived_at", "pool_stage", "planned_start", "actual_start")))
        watch_project(ProjectWatch(ProjectResponsibility, "project_id", ("project", "role", "department", "leader")))
        watch_project(ProjectWatch(AnnualPlan, "project_id", ("project", "year", "annual_role", "planned_start_month")))
