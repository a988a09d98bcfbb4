UPDATE users SET name = NULL;
