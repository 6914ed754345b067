from django.urls import path

from koncernservice.procurement import views

app_name = "procurement"

urlpatterns = [
    path("", views.order_list, name="orders"),
    path("ny/", views.order_new, name="order_new"),
    path("ordrer/<int:pk>/", views.order, name="order"),
]
