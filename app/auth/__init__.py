"""Users, sign-in and the binding of each request to the signed-in user's tenant."""
