from django.urls import path

from koncernservice.worktime import views

app_name = "worktime"

urlpatterns = [
    path("", views.week, name="week"),
    path("ferie/", views.holiday, name="holiday"),
    path("enheder/", views.overview, name="overview"),
    path("enheder/<int:pk>/", views.unit, name="unit"),
    path("enheder/<int:pk>/overtraedelser/", views.violations, name="violations"),
    path("enheder/<int:pk>/luk/", views.close_month, name="close_month"),
    path("enheder/<int:pk>/loen/", views.payroll, name="payroll"),
    path("ansaettelser/<int:pk>/registrering/", views.pattern, name="pattern"),
]
