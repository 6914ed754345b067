from django.urls import path

from koncernservice.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("ny/<slug:code>/", views.case_new, name="case_new"),
    path("ny/<slug:code>/forslag/", views.suggestions, name="suggestions"),
    path("mine/", views.my_cases, name="my_cases"),
    path("sager/<str:number>/", views.case_detail, name="case_detail"),
    path("sager/<str:number>/svar/", views.case_reply, name="case_reply"),
    path("sager/<str:number>/status/", views.case_state, name="case_state"),
    path("sager/<str:number>/prioritet/", views.case_priority, name="case_priority"),
    path("sager/<str:number>/tildel/", views.case_assign, name="case_assign"),
    path("sager/<str:number>/genaabn/", views.case_reopen, name="case_reopen"),
    path("sager/<str:number>/tilfredshed/", views.case_survey, name="case_survey"),
    path("sager/<str:number>/bilag/", views.case_attach, name="case_attach"),
    path("sager/<str:number>/bilag/<int:pk>/", views.attachment_download, name="attachment"),
    path("sager/<str:number>/link/", views.case_link, name="case_link"),
    path("sager/<str:number>/fjern-link/", views.case_unlink, name="case_unlink"),
    path("sager/<str:number>/flet/", views.case_merge, name="case_merge"),
    path("sager/<str:number>/overordnet/", views.case_parent, name="case_parent"),
    path("sager/<str:number>/opdel/", views.case_split, name="case_split"),
    path("sager/<str:number>/skabelon/", views.case_macro, name="case_macro"),
    path("koeer/", views.queues, name="queues"),
    path("koeer/<slug:code>/", views.queue_detail, name="queue_detail"),
    path("koeer/<slug:code>/tildel/", views.bulk_assign, name="bulk_assign"),
    path("koeer/<slug:code>/status/", views.bulk_state, name="bulk_state"),
    path("koeer/<slug:code>/visninger/", views.saved_view_save, name="saved_view_save"),
    path(
        "koeer/<slug:code>/visninger/<int:pk>/slet/",
        views.saved_view_delete,
        name="saved_view_delete",
    ),
    path("opkald/", views.calls, name="calls"),
    path("opkald/opslag/", views.caller_lookup, name="caller_lookup"),
    path("soeg/", views.search, name="search"),
    path("viden/", views.articles, name="articles"),
    path("viden/<slug:slug>/", views.article_detail, name="article_detail"),
    path("rapporter/", views.reports, name="reports"),
    path("katalog/", views.catalogue_admin, name="catalogue_admin"),
    path("opsaetning/omraader/", views.setup_areas, name="setup_areas"),
    path("opsaetning/koeer/", views.setup_queues, name="setup_queues"),
    path("opsaetning/routing/", views.setup_routing, name="setup_routing"),
    path("opsaetning/svarskabeloner/", views.setup_macros, name="setup_macros"),
    path("katalog/<slug:code>/", views.service_edit, name="service_edit"),
]
