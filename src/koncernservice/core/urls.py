from django.urls import path

from koncernservice.core import views

app_name = "core"

urlpatterns = [
    path("organisation/", views.org_tree, name="org_tree"),
    path("organisation/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("organisation/<int:pk>/children/", views.org_children, name="org_children"),
    path("people/", views.person_list, name="person_list"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("employments/<int:pk>/", views.employment_detail, name="employment_detail"),
    path("audit/", views.audit_list, name="audit_list"),
    path("calendars/", views.calendar_list, name="calendar_list"),
]
