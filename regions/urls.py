from django.urls import path

from regions import views

app_name = "regions"

urlpatterns = [
    path("", views.region_list, name="region_list"),
    path("<str:code>/", views.region_detail, name="region_detail"),
]
