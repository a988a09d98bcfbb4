DROP VIEW sales_total;
