from django.urls import path

from koncernservice.finance import views

app_name = "finance"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("faktura/<int:pk>/", views.invoice, name="invoice"),
    path("faktura/<int:pk>/dokument/", views.invoice_document, name="invoice_document"),
    path(
        "faktura/<int:pk>/bilag/<int:index>/", views.invoice_attachment, name="invoice_attachment"
    ),
    path(
        "faktura/<int:pk>/svar/<int:response_pk>/", views.invoice_response, name="invoice_response"
    ),
    path("faktura/<int:pk>/<slug:action>/", views.invoice_action, name="invoice_action"),
    path("modtag/", views.upload, name="upload"),
    path("leverandoerer/", views.supplier_list, name="suppliers"),
    path("leverandoerer/<int:pk>/", views.supplier, name="supplier"),
    path("afviste/", views.rejected, name="rejected"),
    path("godkendelse/", views.approval_settings, name="approval_settings"),
    path("oversigt/", views.dashboard, name="dashboard"),
    path("betalinger/", views.payments, name="payments"),
    path("betalinger/<int:pk>/fil/", views.payment_file, name="payment_file"),
    path("betalinger/afstem/", views.reconcile, name="reconcile"),
    path("betalinger/bogfoer/", views.post, name="post"),
    path("valutakurser/", views.exchange_rates, name="exchange_rates"),
]
