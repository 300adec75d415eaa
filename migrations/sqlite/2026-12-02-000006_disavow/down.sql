DROP TABLE disavow_exclusions;
