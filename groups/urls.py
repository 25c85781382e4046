from django.urls import path

from groups import views

app_name = "groups"

urlpatterns = [
    path("", views.kube_list, name="kube_list"),
    path("ekspor/", views.kube_export, name="kube_export"),
    path("antrean/", views.kube_queue, name="kube_queue"),
    path("baru/", views.kube_create, name="kube_create"),
    path("opsi-desa/", views.village_options, name="village_options"),
    path("<int:pk>/", views.kube_detail, name="kube_detail"),
    path("<int:pk>/ubah/", views.kube_edit, name="kube_edit"),
    path("<int:pk>/langkah/<slug:action>/", views.kube_transition, name="kube_transition"),
    path("<int:pk>/anggota/tambah/", views.membership_add, name="membership_add"),
    path("<int:pk>/anggota/<int:membership_id>/keluar/", views.membership_end, name="membership_end"),
    path("<int:pk>/anggota/<int:membership_id>/jabatan/", views.membership_role, name="membership_role"),
    path("<int:pk>/bantuan/tambah/", views.grant_add, name="grant_add"),
    path("<int:pk>/laporan/tambah/", views.report_add, name="report_add"),
    path("<int:pk>/laporan/<int:report_id>/ubah/", views.report_edit, name="report_edit"),
    path("<int:pk>/kematangan/", views.kube_classify, name="kube_classify"),
    path("<int:pk>/kur/", views.kur_refer, name="kur_refer"),
]
