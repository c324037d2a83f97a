"""One definition per action and search (file name = key)."""
