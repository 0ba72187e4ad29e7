"""The theorem's instances: problems, the gadget, the class Omega, exact solution sets, certified
distances, exact instances sparse in levels, and hypothesis strategies for all of them.

Import from the modules (``theorems.instances.omega`` etc.); see this folder's README.
"""
