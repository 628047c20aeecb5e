"""The import's pages (导入调度表, 导入往年完成投资): a way in beside the importer they drive."""
