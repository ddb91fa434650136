// Parameters for Päijät-Häme; copy for another county. The export-link secret is read from
// the environment of the one who deploys, never from this file (see deploy/README.md).
using './main.bicep'

param county = 'paijat-hame'
param location = 'swedencentral'
param maxReplicas = 3
param postgresSku = 'Standard_B1ms'
param postgresTier = 'Burstable'
param botSku = 'F0'
param exportSecret = readEnvironmentVariable('RAKE_EXPORT_SECRET')
