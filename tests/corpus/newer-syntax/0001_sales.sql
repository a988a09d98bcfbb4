CREATE TABLE sales (id int PRIMARY KEY, amount numeric(10,2) NOT NULL);
