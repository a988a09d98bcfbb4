CREATE VIEW sales_total AS
    SELECT sum(amount) AS total
      FROM (SELECT amount FROM sales WHERE amount > 0);
