"""List the projects whose 开工 facts contradict each other; exit 1 when there are any.

The rules are apps/projects/startfacts.py's. Nothing is changed: the office corrects each row
through the usual ways in (the admin, the API, the import), with its history.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from apps.projects.startfacts import contradictory_projects


class Command(BaseCommand):
    help = "列出开工信息（建设状态、实际开工/竣工日期、年度属性、本年复工日期）相互矛盾的项目；有矛盾时退出码为 1。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--quiet", action="store_true", help="只输出矛盾项目的个数。")
        parser.add_argument("--include-archived", action="store_true", help="也检查已归档（退库）的项目。")

    def handle(self, *args, quiet: bool = False, include_archived: bool = False, **options) -> None:
        found = contradictory_projects(include_archived=include_archived)
        if not quiet:
            for item in found:
                project = item.project
                self.stdout.write(f"{project.primary_code or '（无项目代码）'}\t{project.name}\t（ID {project.pk}）")
                for contradiction in item.contradictions:
                    self.stdout.write(f"  - [{contradiction.field}] {contradiction.message}")
        if found:
            self.stderr.write(f"开工信息矛盾的项目：{len(found)} 个。")
            sys.exit(1)
        self.stdout.write("开工信息一致：没有矛盾的项目。")
