DROP TABLE tasks;
DROP TABLE campaigns;
DROP TABLE clients;
DROP TABLE users;
