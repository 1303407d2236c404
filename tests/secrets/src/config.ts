// Fake credentials of every format Preflight knows (none is real); no output may echo one.
export const AWS_ACCESS_KEY_ID = 'AKIAZ7Q3XK5W2M9TR4HB';
export const GITHUB_TOKEN = 'ghp_R8x2Lm4Qz7Tn1Vb5Kc9Wd3Yf6Hs0Ju2Pa4Ex';
export const GITHUB_PAT = 'github_pat_11ABCDEFG0q7Wm3Xr9Tz2Lp5Vn8Kd4Hs6Jf1Gb0Cy3Ne7Ra5Ut2Io9Pw4Qe6Zx8Mv1Bn3';
export const GITLAB_TOKEN = 'glpat-Ab3dEf6hIj9kLm2nOp5q';
export const SLACK_BOT_TOKEN = 'xoxb-1234567890-abcdefghij';
export const STRIPE_SECRET_KEY = 'sk_live_51Hq3xGQk2n8vLmP0aZbYcXwVuTs';
export const OPENAI_API_KEY = 'sk-proj-aB3aB3aB3aB3aB3aB3aB3aB3aB3aB3aB3aB3aB3aB3aB3';
export const OPENAI_LEGACY_KEY = 'sk-Ab1Cd2Ef3Gh4Ab1Cd2Ef3Gh4Ab1Cd2Ef3Gh4Ab1Cd2Ef3Gh4';
export const ANTHROPIC_API_KEY = 'sk-ant-api03-xY9_xY9_xY9_xY9_xY9_xY9_xY9_xY9_xY9_xY9_xY9_xY9_xY9_xY9_xY9_xY9_xY9_xY9_xY9_xY9_xY9_';
export const NPM_TOKEN = 'npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
export const PYPI_TOKEN = 'pypi-AgEIcHlwaS5vcmcQm9uZ2FyaW5nLXNlY3JldC10b2tlbi1mb3ItdGVzdHMtb25seQ';
export const SENDGRID_API_KEY = 'SG.a1B2c3D4e5F6g7H8i9J0k1.Z9Z9Z9Z9Z9Z9Z9Z9Z9Z9Z9Z9Z9Z9Z9Z9Z9Z9Z9Z9Z9x';
export const GOOGLE_API_KEY = 'AIzaSyB-1x2Y3z4A5b6C7d8E9f0G1h2I3j4K5l6';
export const SECRET_KEY = 'django-insecure-q8zr#1mxv$4kp!w7ty2nb5gh9lc3';
export const DATABASE_URL = 'postgresql://svc:Fz7Kp2Wq9Lm4Xt@db.orders.example:5432/orders';
export const PRIVATE_KEY = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1x2Y3z4MIIEowIBAAKCAQEA1x2Y3z4MIIEowIBAAKCAQEA1x2Y3z4\n-----END RSA PRIVATE KEY-----';
