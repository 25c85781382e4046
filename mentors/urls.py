from django.urls import path

from mentors import fieldapp, views

app_name = "mentors"

urlpatterns = [
    path("", views.mentor_list, name="mentor_list"),
    path("baru/", views.mentor_create, name="mentor_create"),
    path("<int:pk>/", views.mentor_detail, name="mentor_detail"),
    path("<int:pk>/ubah/", views.mentor_edit, name="mentor_edit"),
    path("<int:pk>/laporan/<int:year>/<int:month>/<slug:fmt>/", views.mentor_report, name="mentor_report"),
    path("pelatihan/", views.batch_list, name="batch_list"),
    path("pelatihan/baru/", views.batch_create, name="batch_create"),
    path("pelatihan/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("pelatihan/<int:pk>/peserta/", views.participant_add, name="participant_add"),
    path("penugasan/", views.assignment_list, name="assignment_list"),
    path("penugasan/kube/<int:kube_pk>/", views.kube_assign, name="kube_assign"),
    path("penugasan/<int:pk>/akhiri/", views.assignment_end, name="assignment_end"),
    path("kunjungan/", views.visit_home, name="visit_home"),
    path("kunjungan/tinjau/", views.visit_review, name="visit_review"),
    path("kunjungan/catat/", views.visit_start, name="visit_start"),
    path("kunjungan/catat/<int:kube_pk>/", views.visit_create, name="visit_create"),
    path("kunjungan/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("kunjungan/<int:pk>/foto/<int:photo_pk>/<slug:size>/", views.visit_photo, name="visit_photo"),
    path("kunjungan/<int:pk>/verifikasi/", views.visit_verify, name="visit_verify"),
    path("kunjungan/<int:pk>/kembalikan/", views.visit_return, name="visit_return"),
    path("kunjungan/<int:pk>/perbaiki/", views.visit_resubmit, name="visit_resubmit"),
    path("kepatuhan/", views.compliance, name="compliance"),
    path("lapangan/halaman.json", fieldapp.field_pages, name="field_pages"),
    path("lapangan/luring/", fieldapp.field_offline, name="field_offline"),
]
