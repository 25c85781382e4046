from django.urls import path

from graduation import views

app_name = "graduation"

urlpatterns = [
    path("garis-kemiskinan/", views.poverty_line_list, name="poverty_line_list"),
]
