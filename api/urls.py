from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from api import docs, errors, views

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
# One address per resource (no ".json" twins): the URL-walking scope test reads every pattern.
router.include_format_suffixes = False
router.register("regions", views.RegionViewSet, basename="region")
router.register("households", views.HouseholdViewSet, basename="household")
router.register("kube", views.KubeViewSet, basename="kube")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("grants", views.GrantViewSet, basename="grant")
router.register("business-reports", views.BusinessReportViewSet, basename="business-report")
router.register("mentors", views.MentorViewSet, basename="mentor")
router.register("training-batches", views.TrainingBatchViewSet, basename="training-batch")
router.register("assignments", views.AssignmentViewSet, basename="assignment")
router.register("field-visits", views.FieldVisitViewSet, basename="field-visit")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("readiness", views.ReadinessViewSet, basename="readiness")
router.register("graduation-decisions", views.DecisionViewSet, basename="graduation-decision")
router.register("dashboard-figures", views.DashboardFiguresViewSet, basename="dashboard-figures")
router.register("import-jobs", views.ImportJobViewSet, basename="import-job")

urlpatterns = [
    path("v1/me/", views.MeView.as_view(), name="me"),
    path("v1/schema/", SpectacularAPIView.as_view(api_version="1.0.0"), name="schema"),
    path("v1/docs/", docs.docs, name="docs"),
    path("v1/", include(router.urls)),
    # Anything else under /api/ is the API's JSON 404, not the HTML page.
    re_path(r"^.*$", errors.not_found, name="not_found"),
]
