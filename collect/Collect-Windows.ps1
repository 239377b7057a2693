#Requires -Version 5.1
<#
.SYNOPSIS
    Writes the Windows exports resetgap reads, with a manifest, into OUTDIR\windows\<HOST>\ and
    OUTDIR\<HOST>.zip. Windows PowerShell 5.1 and PowerShell 7. Run elevated (auditpol and
    secedit need it); what fails is listed as failed in the manifest, never silently skipped.

.DESCRIPTION
    Layout (the README's "What it reads", Windows rows):
      windows\<HOST>\local-admins.json   Get-LocalGroupMember -SID S-1-5-32-544 | ConvertTo-Json
                     local-admins.txt    fallback: net localgroup <Administrators by SID>
      windows\<HOST>\local-users.json    Get-LocalUser | ConvertTo-Json
      windows\<HOST>\auditpol.csv        auditpol /get /category:* /r
      windows\<HOST>\secedit.inf         secedit /export
      windows\<HOST>\reg\*.reg           reg export of the LSA, WDigest, LanmanServer, Winlogon,
                                         Policies and LAPS keys (a missing key is "absent")
      windows\<HOST>\manifest.json       collection time, host, collector, times_preserved
                                         (false: these are exports, not copies) and per path
                                         collected / absent / failed with the error
      sysvol\Policies\...                with -Sysvol: a copy of the domain's SYSVOL Policies

    The Winlogon DefaultPassword value is replaced by a marker unless -KeepDefaultPassword is
    given: resetgap only needs to know it is there (RG501), and the password stays on the host.

.PARAMETER OutDir
    Where to write (default: .\resetgap-evidence).
.PARAMETER Sysvol
    Also copy \\<domain>\SYSVOL\<domain>\Policies (Group Policy: Restricted Groups, audit,
    Groups.xml). Needs a domain-joined host and read access to SYSVOL.
.PARAMETER KeepDefaultPassword
    Keep the Winlogon DefaultPassword value as exported (it then lets resetgap join the same
    password found elsewhere; handle the evidence as a secret).
#>
[CmdletBinding()]
param(
    [string]$OutDir = (Join-Path -Path (Get-Location).Path -ChildPath 'resetgap-evidence'),
    [switch]$Sysvol,
    [switch]$KeepDefaultPassword
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$Version = 'resetgap-collect-windows 1'
$Invariant = [System.Globalization.CultureInfo]::InvariantCulture
$HostName = $env:COMPUTERNAME
$Dest = Join-Path -Path (Join-Path -Path $OutDir -ChildPath 'windows') -ChildPath $HostName
if (Test-Path -LiteralPath $Dest) {
    throw "$Dest exists; remove it or choose another -OutDir"
}
$null = New-Item -ItemType Directory -Path (Join-Path -Path $Dest -ChildPath 'reg') -Force
$CollectedAt = [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ssZ', $Invariant)
$Entries = New-Object -TypeName System.Collections.ArrayList
$Utf8NoBom = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false

function Add-Entry {
    param([string]$Path, [string]$Status, [string]$ErrorText)
    $e = [ordered]@{ path = $Path; status = $Status }
    if ($Status -eq 'failed') { $e['error'] = $ErrorText }
    $null = $Entries.Add($e)
}

# Runs one export into $Rel (relative to the host directory). The script block writes the file;
# it returns $false when the thing exported does not exist on the host.
function Invoke-Export {
    param([string]$Rel, [scriptblock]$Write)
    $target = Join-Path -Path $Dest -ChildPath $Rel
    $shown = $Rel -replace '\\', '/'
    try {
        $present = & $Write $target
        if ($present -eq $false) {
            if (Test-Path -LiteralPath $target) { Remove-Item -LiteralPath $target -Force }
            Add-Entry -Path $shown -Status 'absent'
        } elseif (Test-Path -LiteralPath $target) {
            Add-Entry -Path $shown -Status 'collected'
        } else {
            Add-Entry -Path $shown -Status 'failed' -ErrorText 'no output written'
        }
    } catch {
        if (Test-Path -LiteralPath $target) { Remove-Item -LiteralPath $target -Force }
        Add-Entry -Path $shown -Status 'failed' -ErrorText $_.Exception.Message
    }
}

# Runs a native program with its stderr discarded. Windows PowerShell 5.1 turns redirected
# stderr lines into errors, which 'Stop' would make fatal: the caller checks $LASTEXITCODE.
function Invoke-Native {
    param([string]$Exe, [string[]]$Arguments)
    $ErrorActionPreference = 'Continue'
    & $Exe @Arguments 2>$null
}

function Write-Text {
    param([string]$Path, [string]$Text)
    [System.IO.File]::WriteAllText($Path, $Text, $Utf8NoBom)
}

# Administrators, by SID (names are localised). Get-LocalGroupMember fails on a group holding an
# orphaned SID: then `net localgroup` under the group's localised name.
Invoke-Export 'local-admins.json' {
    param($t)
    $members = @(Get-LocalGroupMember -SID 'S-1-5-32-544')
    Write-Text $t (ConvertTo-Json -InputObject $members -Depth 3)
}
if (-not (Test-Path -LiteralPath (Join-Path -Path $Dest -ChildPath 'local-admins.json'))) {
    Invoke-Export 'local-admins.txt' {
        param($t)
        $sid = New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList 'S-1-5-32-544'
        $name = $sid.Translate([System.Security.Principal.NTAccount]).Value.Split('\')[-1]
        $text = Invoke-Native 'net.exe' @('localgroup', $name)
        if ($LASTEXITCODE -ne 0) { throw "net localgroup exited with $LASTEXITCODE" }
        Write-Text $t (($text -join "`r`n") + "`r`n")
    }
}

Invoke-Export 'local-users.json' {
    param($t)
    $users = @(Get-LocalUser)
    Write-Text $t (ConvertTo-Json -InputObject $users -Depth 3)
}

Invoke-Export 'auditpol.csv' {
    param($t)
    $csv = Invoke-Native 'auditpol.exe' @('/get', '/category:*', '/r')
    if ($LASTEXITCODE -ne 0) { throw "auditpol exited with $LASTEXITCODE (run elevated)" }
    Write-Text $t (($csv -join "`r`n") + "`r`n")
}

Invoke-Export 'secedit.inf' {
    param($t)
    $null = Invoke-Native 'secedit.exe' @('/export', '/cfg', $t, '/quiet')
    if ($LASTEXITCODE -ne 0) { throw "secedit exited with $LASTEXITCODE (run elevated)" }
}

$RegKeys = [ordered]@{
    'lsa.reg'                = 'HKLM\SYSTEM\CurrentControlSet\Control\Lsa'
    'wdigest.reg'            = 'HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\WDigest'
    'lanmanserver.reg'       = 'HKLM\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters'
    'winlogon.reg'           = 'HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon'
    'policies.reg'           = 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies'
    'policies-software.reg'  = 'HKLM\SOFTWARE\Policies'
    'laps-csp.reg'           = 'HKLM\SOFTWARE\Microsoft\Policies\LAPS'
}
foreach ($file in $RegKeys.Keys) {
    $key = $RegKeys[$file]
    Invoke-Export ('reg\' + $file) {
        param($t)
        # reg query decides presence: reg export's exit code is 1 for a missing key and for
        # any other error alike.
        $null = Invoke-Native 'reg.exe' @('query', $key)
        if ($LASTEXITCODE -ne 0) { return $false }
        $null = Invoke-Native 'reg.exe' @('export', $key, $t, '/y')
        if ($LASTEXITCODE -ne 0) { throw "reg export exited with $LASTEXITCODE" }
        if ($file -eq 'winlogon.reg' -and -not $KeepDefaultPassword) {
            # reg export writes UTF-16LE with a BOM; keep that encoding.
            $text = [System.IO.File]::ReadAllText($t, [System.Text.Encoding]::Unicode)
            $text = [regex]::Replace($text, '(?im)^("DefaultPassword"=)".*"\s*$',
                '$1"REDACTED-BY-COLLECTOR"')
            [System.IO.File]::WriteAllText($t, $text, [System.Text.Encoding]::Unicode)
        }
    }
}

if ($Sysvol) {
    $domain = $env:USERDNSDOMAIN
    $source = "\\$domain\SYSVOL\$domain\Policies"
    $target = Join-Path -Path $OutDir -ChildPath 'sysvol\Policies'
    try {
        if (-not $domain) { throw 'not a domain logon (USERDNSDOMAIN is empty)' }
        $null = New-Item -ItemType Directory -Path (Split-Path -Path $target -Parent) -Force
        Copy-Item -LiteralPath $source -Destination $target -Recurse -Force
        Add-Entry -Path 'sysvol/Policies' -Status 'collected'
    } catch {
        Add-Entry -Path 'sysvol/Policies' -Status 'failed' -ErrorText $_.Exception.Message
    }
}

$Manifest = [ordered]@{
    host            = $HostName
    collected_at    = $CollectedAt
    collector       = $Version
    os              = [System.Environment]::OSVersion.VersionString
    powershell      = $PSVersionTable.PSVersion.ToString()
    times_preserved = $false
    files           = @($Entries)
}
Write-Text (Join-Path -Path $Dest -ChildPath 'manifest.json') (ConvertTo-Json -InputObject $Manifest -Depth 4)

$archive = Join-Path -Path $OutDir -ChildPath ($HostName + '.zip')
$items = @(Join-Path -Path $OutDir -ChildPath 'windows')
if ($Sysvol -and (Test-Path -LiteralPath (Join-Path -Path $OutDir -ChildPath 'sysvol'))) {
    $items += Join-Path -Path $OutDir -ChildPath 'sysvol'
}
Compress-Archive -Path $items -DestinationPath $archive -Force
$collected = @($Entries | Where-Object { $_['status'] -eq 'collected' }).Count
$failed = @($Entries | Where-Object { $_['status'] -eq 'failed' }).Count
Write-Host "Collect-Windows.ps1: wrote $Dest and $archive ($collected collected, $failed failed)"
