from django.urls import path

from koncernservice.hr import views

app_name = "hr"

urlpatterns = [
    path("", views.my_pay, name="my_pay"),
    path("overenskomster/", views.agreements, name="agreements"),
    path("overenskomster/loenskala/<int:pk>/", views.paytable, name="paytable"),
    path("loen/", views.unit_pay, name="unit_pay"),
    path("loen/<int:pk>/", views.employment_pay, name="employment_pay"),
    path("stillinger/", views.requisitions, name="requisitions"),
    path("stillinger/<int:pk>/", views.requisition, name="requisition"),
    path("opslag/", views.postings, name="postings"),
    path("opslag/<int:pk>/", views.posting, name="posting"),
    path("ansoegninger/<int:pk>/", views.application, name="application"),
    path("dokumenter/<int:pk>/", views.document, name="document"),
    path("ansaettelser/<int:pk>/brev.pdf", views.letter, name="letter"),
    path("karriere/", views.careers, name="careers"),
    path("karriere/feed.rss", views.feed_rss, name="feed_rss"),
    path("karriere/feed.json", views.feed_json, name="feed_json"),
    path("karriere/tak/<str:key>/", views.career_thanks, name="career_thanks"),
    path("karriere/<str:key>/", views.career, name="career"),
]
