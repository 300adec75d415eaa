DROP TABLE dataset_rows;
DROP TABLE datasets;
