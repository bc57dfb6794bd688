// The minijit command line; commands arrive with the foundation issue.
return 0;
