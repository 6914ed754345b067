from django.urls import path

from koncernservice.paygap import views

app_name = "paygap"

urlpatterns = [
    path("", views.home, name="home"),
    path("mig/", views.mine, name="mine"),
    path("enheder/<int:pk>/", views.unit, name="unit"),
    path("loen/", views.pay, name="pay"),
    path("loen/import/", views.pay_import, name="import"),
    path("loen/<int:pk>/kategori/", views.record_category, name="record_category"),
    path("kategorier/", views.categories, name="categories"),
    path("kategorier/<int:pk>/", views.category, name="category"),
    path("flag/", views.flags, name="flags"),
    path("flag/<int:pk>/", views.flag, name="flag"),
    path("anmodninger/", views.requests_list, name="requests"),
    path("anmodninger/<int:pk>/besvar/", views.request_answer, name="request_answer"),
    path("anmodninger/<int:pk>/brev.pdf", views.letter, name="letter"),
    path("rapporter/", views.reports, name="reports"),
    path("rapporter/<int:pk>/", views.report, name="report"),
    path("rapporter/<int:pk>/rapport.pdf", views.report_pdf, name="report_pdf"),
    path("rapporter/<int:pk>/rapport.xlsx", views.report_xlsx, name="report_xlsx"),
]
