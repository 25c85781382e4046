from django.contrib import admin

from regions.models import DirectorateArea, Level, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "kind", "retired"]
    list_filter = ["level", "kind", "retired"]
    search_fields = ["code", "name"]
    readonly_fields = ["code", "level", "kind", "parent"]
    show_full_result_count = False


@admin.register(DirectorateArea)
class DirectorateAreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    filter_horizontal = ["provinces"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "provinces":
            kwargs["queryset"] = Region.objects.filter(level=Level.PROVINCE)
        return super().formfield_for_manytomany(db_field, request, **kwargs)
