from django.contrib import admin

from .models import TAG_MODELS, Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "headline", "time_zone", "is_mentor", "accepting_requests"]
    list_filter = ["is_mentor", "accepting_requests", "visibility"]
    search_fields = ["display_name", "headline", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    autocomplete_fields = list(TAG_MODELS)
    readonly_fields = ["created_at", "updated_at"]


class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "created_at"]
    search_fields = ["name", "key"]
    readonly_fields = ["key", "created_at"]


for _model in TAG_MODELS.values():
    admin.site.register(_model, TagAdmin)
