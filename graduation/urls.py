from django.urls import path

from graduation import views

app_name = "graduation"

urlpatterns = [
    path("garis-kemiskinan/", views.poverty_line_list, name="poverty_line_list"),
    path("kriteria/", views.criteria_list, name="criteria_list"),
    path("kesiapan/", views.readiness_list, name="readiness_list"),
    path("siap/", views.siap_list, name="siap_list"),
    path("alamiah/", views.alamiah_list, name="alamiah_list"),
    path("keputusan/", views.decision_queue, name="decision_queue"),
    path("keputusan/<int:pk>/", views.decision_detail, name="decision_detail"),
    path("pemantauan/", views.monitoring_list, name="monitoring_list"),
    path("kpm/<int:household_id>/", views.household_readiness, name="household_readiness"),
    path("kpm/<int:household_id>/asesmen/", views.assessment_create, name="assessment_create"),
    path("kpm/<int:household_id>/usulkan/", views.decision_propose, name="decision_propose"),
    path("proses/", views.run_list, name="run_list"),
    path("proses/jalankan/", views.run_now, name="run_now"),
    path("proses/kemajuan/", views.run_progress, name="run_progress"),
]
