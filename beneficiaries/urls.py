from django.urls import path

from beneficiaries import views

app_name = "beneficiaries"

urlpatterns = [
    path("", views.household_list, name="household_list"),
    path("baru/", views.household_create_view, name="household_create"),
    path("ekspor.csv", views.household_export, {"fmt": "csv"}, name="household_export_csv"),
    path("ekspor.xlsx", views.household_export, {"fmt": "xlsx"}, name="household_export_xlsx"),
    path("ubah-massal/", views.household_bulk_update, name="household_bulk_update"),
    path("duplikat/", views.duplicate_review, name="duplicate_review"),
    path("impor/", views.import_upload, name="import_upload"),
    path("impor/templat.xlsx", views.import_template, name="import_template"),
    path("impor/<int:pk>/", views.import_status, name="import_status"),
    path("impor/<int:pk>/progres/", views.import_progress, name="import_progress"),
    path("impor/<int:pk>/laporan.xlsx", views.import_error_report, name="import_error_report"),
    path("impor/<int:pk>/jalankan/", views.import_confirm, name="import_confirm"),
    path("<int:pk>/", views.household_detail, name="household_detail"),
    path("<int:pk>/ubah/", views.household_edit, name="household_edit"),
    path("<int:pk>/nonaktifkan/", views.household_deactivate_view, name="household_deactivate"),
]
