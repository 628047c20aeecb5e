"""The project pages — 项目清单, a project's dossier (一项目一档) with its print and export, 开工口径
核对 — and the project forms of the dossier (批示, 调整计划): a way in beside the projects API.

The dossier shows a project's milestones, land, problems and reports; their own forms sit beside
their APIs (apps/milestones/web, apps/land/web, apps/problems/web, apps/progress/web)."""
