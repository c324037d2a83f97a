"""One definition per 7stamp webhook event (file name = event name), plus ``any``."""
