// Rake bot in Azure, for one wellbeing services county:
//  - a user-assigned managed identity: the bot's identity (Azure Bot, UserAssignedMSI) and the
//    database login (Microsoft Entra authentication; no password anywhere)
//  - Log Analytics, a Container Apps environment and the app (1..maxReplicas replicas)
//  - Azure Database for PostgreSQL flexible server with Entra authentication only
//  - a container registry the identity may pull from
//  - the Azure Bot resource with the Teams channel
// Deploy: see deploy/README.md.

targetScope = 'resourceGroup'

@description('Short county id used in resource names, e.g. paijat-hame')
@minLength(2)
@maxLength(20)
param county string

@description('The county file the bot uses (RAKE_COUNTY): a shipped id or a path in the image')
param countyFile string = county

@description('Azure region')
param location string = resourceGroup().location

@description('Microsoft Entra tenant of the county (the only tenant the bot accepts activities from)')
param tenantId string = subscription().tenantId

@description('Container image, e.g. <registry>.azurecr.io/rake-bot:1.0. The first deployment may use the quickstart image and be updated after `az acr build`.')
param image string = 'mcr.microsoft.com/k8se/quickstart:latest'

@description('Replicas at most (Teams allows 50 sends/s per app and tenant: each replica gets 50 / maxReplicas)')
@minValue(1)
@maxValue(10)
param maxReplicas int = 3

@description('Signs the experts\' short-lived export links; 32+ random characters, e.g. `openssl rand -hex 32`')
@secure()
@minLength(32)
param exportSecret string

@description('PostgreSQL compute size')
param postgresSku string = 'Standard_B1ms'

@description('PostgreSQL tier for the sku')
@allowed(['Burstable', 'GeneralPurpose', 'MemoryOptimized'])
param postgresTier string = 'Burstable'

@description('Azure Bot pricing tier (F0 is free: standard channels such as Teams are free either way)')
@allowed(['F0', 'S1'])
param botSku string = 'F0'

var name = 'rake-${county}'
var suffix = uniqueString(resourceGroup().id, county)
var databaseName = 'rake'
var sendRate = string(50 / maxReplicas)

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${name}-id'
  location: location
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${name}-logs'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: replace('rake${county}${suffix}', '-', '')
  location: location
  sku: { name: 'Basic' }
  properties: { adminUserEnabled: false }
}

// AcrPull for the identity
resource acrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identity.id, 'acrpull')
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2023-06-01-preview' = {
  name: '${name}-pg-${suffix}'
  location: location
  sku: {
    name: postgresSku
    tier: postgresTier
  }
  properties: {
    version: '16'
    storage: { storageSizeGB: 32 }
    backup: {
      backupRetentionDays: 14
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: { mode: 'Disabled' }
    authConfig: {
      activeDirectoryAuth: 'Enabled'
      passwordAuth: 'Disabled'
      tenantId: tenantId
    }
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2023-06-01-preview' = {
  parent: postgres
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// The managed identity is the server's Entra administrator: the bot logs in as it with a token
// and owns the schema it migrates. (Add the county's DBA group as a second administrator.)
resource postgresAdmin 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2023-06-01-preview' = {
  parent: postgres
  name: identity.properties.principalId
  properties: {
    principalName: identity.name
    principalType: 'ServicePrincipal'
    tenantId: tenantId
  }
  dependsOn: [database]
}

// Container Apps reach the server over the Azure backbone ("allow Azure services").
resource postgresFirewall 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2023-06-01-preview' = {
  parent: postgres
  name: 'AllowAzureServices'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: '${name}-env'
  location: location
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
  }
}

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: '${name}-app'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      ingress: {
        external: true
        targetPort: 3978
        transport: 'http'
        allowInsecure: false
      }
      registries: [
        {
          server: registry.properties.loginServer
          identity: identity.id
        }
      ]
      secrets: [
        { name: 'export-secret', value: exportSecret }
      ]
    }
    template: {
      containers: [
        {
          name: 'rake-bot'
          image: image
          resources: { cpu: json('0.5'), memory: '1Gi' }
          env: [
            { name: 'RAKE_ENVIRONMENT', value: 'production' }
            { name: 'RAKE_COUNTY', value: countyFile }
            { name: 'MicrosoftAppType', value: 'UserAssignedMSI' }
            { name: 'MicrosoftAppId', value: identity.properties.clientId }
            { name: 'MicrosoftAppTenantId', value: tenantId }
            { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
            { name: 'RAKE_ALLOWED_TENANTS', value: tenantId }
            { name: 'RAKE_DATABASE_URL', value: 'postgresql+asyncpg://${identity.name}@${postgres.properties.fullyQualifiedDomainName}:5432/${databaseName}' }
            { name: 'RAKE_DATABASE_AUTH', value: 'entra' }
            { name: 'RAKE_DATABASE_CLIENT_ID', value: identity.properties.clientId }
            { name: 'RAKE_DATABASE_SSL', value: 'require' }
            { name: 'RAKE_SEND_RATE', value: sendRate }
            { name: 'RAKE_EXPORT_SECRET', secretRef: 'export-secret' }
            // the app's address (Container Apps: <app name>.<environment's default domain>)
            { name: 'RAKE_PUBLIC_URL', value: 'https://${name}-app.${environment.properties.defaultDomain}' }
          ]
          probes: [
            {
              type: 'Liveness'
              httpGet: { path: '/healthz', port: 3978 }
              periodSeconds: 30
            }
            {
              type: 'Readiness'
              httpGet: { path: '/readyz', port: 3978 }
              periodSeconds: 10
              initialDelaySeconds: 5
            }
          ]
        }
      ]
      scale: {
        minReplicas: 1
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'http'
            http: { metadata: { concurrentRequests: '50' } }
          }
        ]
      }
    }
  }
  dependsOn: [acrPull, postgresAdmin, postgresFirewall]
}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: '${name}-bot-${suffix}'
  location: 'global'
  kind: 'azurebot'
  sku: { name: botSku }
  properties: {
    displayName: 'Rake'
    endpoint: 'https://${app.properties.configuration.ingress.fqdn}/api/messages'
    msaAppType: 'UserAssignedMSI'
    msaAppId: identity.properties.clientId
    msaAppTenantId: tenantId
    msaAppMSIResourceId: identity.id
    disableLocalAuth: true
  }
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
    }
  }
}

output appUrl string = 'https://${app.properties.configuration.ingress.fqdn}'
output botAppId string = identity.properties.clientId
output registry string = registry.properties.loginServer
output postgresHost string = postgres.properties.fullyQualifiedDomainName
output identityName string = identity.name
