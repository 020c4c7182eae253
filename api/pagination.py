from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """`?page=` and `?page_size=` (up to 500); 50 a page unless asked."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
