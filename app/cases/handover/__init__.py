"""Hand-over to the care director (trajectories), referrals to partners, and the legal basis
for sharing a life domain's data (consent or statute), which referrals check."""
